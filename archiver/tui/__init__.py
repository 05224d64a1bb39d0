"""archiver.tui"""
