"""Referrals of abuse material and exploitation to the bodies that act on them: NCMEC's CyberTipline
(`referrals.cybertip`), INHOPE hotlines and the IWF, and law enforcement (exports and the register of
law-enforcement requests). Each submodule exports its own public functions."""
