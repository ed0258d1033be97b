"""`python -m bench` (make bench): performance figures of the service, printed as a table.

None of the figures is pass/fail; each is printed next to its target. See bench/README.md.
"""
