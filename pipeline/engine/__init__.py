"""Where the stages run: in this process (the stage modules themselves) or on Ray (``ray_stages``)."""
