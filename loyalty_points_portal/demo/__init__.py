from . import loyalty_points_portal_demo
