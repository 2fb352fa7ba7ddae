"""Speed and memory of the kernel against Captum, side by side in one process."""
