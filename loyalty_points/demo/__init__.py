from . import loyalty_points_demo
