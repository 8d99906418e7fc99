"""The expert's portal: offers of work, engagements, days logged and outcome reports."""
