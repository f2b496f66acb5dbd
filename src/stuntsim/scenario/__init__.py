"""stuntsim.scenario"""
