"""Class activation maps: Grad-CAM."""
