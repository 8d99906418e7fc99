"""Programme officers verifying outcome reports, and the evidence filed with them."""
