"""Credit control's rules: exposure, the order credit check with its reasons, and approval routing."""
