"""Training the Norwegian spaCy pipeline that ships with the anonymiser (see README)."""
