"""知识库: folders, articles with versions and approval, search, must-read acknowledgements."""
