"""The browser tests' helpers: the live server and its worker, what a person does in the browser
(pages.py), and what the service has done, read outside the browser (records.py)."""
