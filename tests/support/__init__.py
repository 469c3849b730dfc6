"""What the tests share: paths, factories, the server launcher, the fake Telegram Bot API."""
