"""stuntsim.io"""
