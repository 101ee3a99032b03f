"""What is taught and how a learner moves through it."""
