"""Joint reward and punishment (联合奖惩): measures, scenarios, checks."""
