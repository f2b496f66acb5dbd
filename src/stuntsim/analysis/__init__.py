"""stuntsim.analysis"""
