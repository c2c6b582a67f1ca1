"""Chat network adapters: each translates its network's updates into ``coord.chat.Inbound`` and renders
``coord.chat.Reply`` back (Telegram and Matrix are the next pieces of work)."""
