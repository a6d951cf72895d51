</main>
<footer class="footer">pilotomail <?cs var:Version ?></footer>
</body>
</html>
