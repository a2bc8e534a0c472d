from . import loyalty_points_liability_report
