"""EN 16931 decimal rules (BR-DEC-*): amounts with at most two decimals, the fatal ones of rules
version 1.3.16. (Filled by the decimal-rules work.)"""
