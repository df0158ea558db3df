"""EN 16931 UBL syntax rules (UBL-SR-*: an element occurs at most once; UBL-DT-*, UBL-CR-666/673):
the fatal ones of rules version 1.3.16. (Filled by the syntax-rules work.)"""
