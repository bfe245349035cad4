"""The catalog (目录 → 信息类 → 信息项): what may be collected, from whom, shown how long."""
