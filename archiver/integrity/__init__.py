"""archiver.integrity"""
