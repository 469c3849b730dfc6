"""`make bench`: speed and memory of our assistant beside the stock Rasa bot (run as `python -m scripts.bench`)."""
