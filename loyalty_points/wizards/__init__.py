from . import loyalty_points_adjust_wizard
from . import base_partner_merge
from . import loyalty_points_reward_wizard
from . import loyalty_points_process_wizard
