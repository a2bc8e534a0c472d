from . import test_install
from . import test_pos_points
from . import test_pos_server
from . import test_tour
from . import test_pos_rewards
from . import test_tour_rewards
from . import test_tour_counter
