"""Writers that render what reports computed; they compute nothing themselves."""
