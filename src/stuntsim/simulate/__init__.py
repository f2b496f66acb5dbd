"""stuntsim.simulate"""
