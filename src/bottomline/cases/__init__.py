"""Cases: leads from every channel, identification with the statutory clock, public notices,
risk elimination and look-back campaigns (防止返贫致贫监测 workflow)."""
