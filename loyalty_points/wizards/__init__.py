from . import loyalty_points_adjust_wizard
