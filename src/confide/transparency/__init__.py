"""What a customer sees about their own data: the chat's privacy commands and the privacy
center page share it."""
