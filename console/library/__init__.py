"""Library mode: the deployment's run.yaml booted as Lightspeed's library client boots it."""
