"""Placeholder: being written."""
import streamlit as st

st.title("topics")
st.info("This page is being built.")
