from . import loyalty_points_program
