"""Placeholder: being written."""
import streamlit as st

st.title("articles")
st.info("This page is being built.")
