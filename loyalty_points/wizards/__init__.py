from . import loyalty_points_process_wizard
