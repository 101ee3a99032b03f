"""What a learner earns and how anyone checks it."""
