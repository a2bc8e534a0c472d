from . import test_install
from . import test_portal_pages
from . import test_portal_pay
from . import test_portal_security
