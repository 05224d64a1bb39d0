"""archiver.musicbrainz"""
