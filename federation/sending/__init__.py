"""Sending: the child's side. Capture reads changes after the acknowledged watermark
(rule 2), the sender pushes them as batches in seq order and advances only on the
parent's acknowledgement (rules 4 and 6); setup.py builds it over HTTP or SFTP. Must not
import receiving/ (rows a province applied reach it through Relay.applied), and must not
move a watermark on anything but the parent's answer or checkpoint.
"""
