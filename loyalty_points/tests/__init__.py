from . import test_install
from . import test_tour
from . import test_expiry
from . import test_adjust
from . import test_merge
from . import test_mail
from . import test_server_action
