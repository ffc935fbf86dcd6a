"""Local fakes of outside services this machine cannot reach; each enforces the documented protocol."""
