print("mallsettle")
