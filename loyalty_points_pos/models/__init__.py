from . import loyalty_points_entry
from . import pos_payment_method
from . import res_company
from . import pos_order
from . import account_move
from . import account_payment
from . import loyalty_points_program
from . import res_partner
