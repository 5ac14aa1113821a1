"""Product category rules (PCR): what a study must include, checks, and grading."""
