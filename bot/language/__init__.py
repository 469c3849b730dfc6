"""What language and kind of text a message is, before any intent is trusted."""
