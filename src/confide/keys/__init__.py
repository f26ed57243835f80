"""Master key lifecycle: status, rotation, rewrapping, retirement, re-keying a customer."""
