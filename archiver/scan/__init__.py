"""archiver.scan"""
