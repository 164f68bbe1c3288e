"""Disclosure control: the attacker's LP audit and the completion of secondary suppression."""
