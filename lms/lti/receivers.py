"""Signal receivers of lms.lti, connected when the app is ready (LtiConfig.ready)."""
