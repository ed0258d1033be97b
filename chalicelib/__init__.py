"""yanxiu: the service's code, in the layers the README's architecture section names."""
