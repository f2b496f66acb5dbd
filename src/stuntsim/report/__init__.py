"""stuntsim.report"""
